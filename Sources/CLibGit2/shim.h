#include <git2.h>

/* git_libgit2_opts is variadic, which Swift cannot call; one typed wrapper per option used. */

/* Repositories prim reads or writes are named by the operator's config (primd's repo, pr.sh's
   repo); they are often owned by another service user (pr.sh's repository, read by primd as
   root). libgit2 runs no hooks, so git's safe.directory owner check is turned off. */
static inline int prim_git_disable_owner_validation(void) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
}

/* The certificate authorities an https remote's certificate must chain to, in place of the
   system bundle; NULL file and path go back to none set by us. */
static inline int prim_git_set_ssl_cert_file(const char *file) {
    return git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, NULL);
}
