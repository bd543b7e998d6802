"""The runtime confirmer: runs a flagged script and checks whether its weights really move.

Only the child process (``probe``) imports TensorFlow; everything else stays importable
without it.
"""
