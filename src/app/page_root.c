/* page_root.c: "/" sends the visitor to the default language's home page. */
#include "app_int.h"

void
aw_handle_root(struct aw_req *req)
{
    aw_resp_redirect(req, 302, aw_url(aw_req_arena(req), aw_i18n_default()->code, "home", NULL));
}
