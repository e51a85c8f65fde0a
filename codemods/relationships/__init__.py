"""The fix-relationships codemod, one module per job: discover, prefilter, index, resolve, decide, transform, write."""
