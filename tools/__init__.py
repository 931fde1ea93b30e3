"""Build and check tools of the course (not part of course_lib)."""
