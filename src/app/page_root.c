/* page_root.c: "/" sends the visitor to the default language's home page. */
#include "app_int.h"

#include <stdio.h>

void
aw_handle_root(struct aw_req *req)
{
    char loc[8];
    snprintf(loc, sizeof(loc), "/%s/", aw_i18n_default()->code);
    aw_resp_redirect(req, 302, loc);
}
