#ifndef CLUTF_SHIMS_H
#define CLUTF_SHIMS_H

/// Makes the calling process the reaper of its orphaned descendants (prctl
/// PR_SET_CHILD_SUBREAPER): a daemon a test starts (double fork, setsid) becomes this
/// process's child instead of init's, so it can be found and ended. Returns 0, or -1 with errno.
int lutf_become_subreaper(void);

#endif
