"""``make grade``: grade a class's notebooks safely and write a gradebook (see book/instructors.md).

One module per concern:

- ``__main__``: the command line (what ``make grade`` runs);
- ``grader``: the whole run: read the submissions, plan, run, judge, write; rows from each outcome;
- ``exercises``: what is graded (the course's registry, the instructor's rules file);
- ``plan``: a submitted file read as a notebook, its chapter checked, the probe cells placed;
- ``runner``: the worker processes, a few at a time, always ended with everything they started;
- ``worker``: one notebook in one limited kernel, talking with the grader in JSON lines;
- ``probe``: the code that runs in the student's kernel, and the plain data it sends;
- ``codec``: the grader's side of that data, and the stand-in for a student's function;
- ``judge``: the verdict, from the course's checks run in the grader's process;
- ``output``: ``grades.csv``, ``summary.csv``, ``report.md``;
- ``synthetic``: a class built from a real chapter, to try, test and time the grader.
"""
