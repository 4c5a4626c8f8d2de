/* http_status.c: reason phrases and the built-in error pages.
 *
 * Error pages are fixed text per status, decided at compile time: they never
 * echo the path, a header or anything else from the request (OpenBSD httpd's
 * server_abort_http() explains why: an echoed path is a reflected XSS waiting
 * to happen, and a page that varies with input is a cache-poisoning tool). */
#include "http_int.h"

#include <string.h>

struct reason {
    int status;
    const char *text;
};

static const struct reason reasons[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {206, "Partial Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {422, "Unprocessable Content"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
};

const char *
aw_http_reason(int status)
{
    const char *r = "Unknown";
    for (size_t i = 0; i < AW_NELEM(reasons); i++) {
        if (reasons[i].status == status) {
            r = reasons[i].text;
            break;
        }
    }
    return r;
}

/* A whole page as one string literal: title, h1, one sentence, a link home. */
#define PAGE(head_title, title, sentence)                                                          \
    "<!DOCTYPE html>\n"                                                                            \
    "<html lang=\"en\">\n"                                                                         \
    "<head>\n"                                                                                     \
    "<meta charset=\"utf-8\">\n"                                                                   \
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"                   \
    "<title>" head_title "</title>\n"                                                              \
    "</head>\n"                                                                                    \
    "<body>\n"                                                                                     \
    "<h1>" title "</h1>\n"                                                                         \
    "<p>" sentence "</p>\n"                                                                        \
    "<p><a href=\"/\">Go to the home page</a></p>\n"                                               \
    "</body>\n"                                                                                    \
    "</html>\n"

struct page {
    int status;
    const char *html;
    size_t len;
};

#define P(status, title, sentence)                                                                 \
    {                                                                                              \
        status, PAGE(#status " " title, title, sentence),                                          \
            sizeof(PAGE(#status " " title, title, sentence)) - 1                                   \
    }

static const struct page pages[] = {
    P(400, "Bad Request", "The server could not understand this request."),
    P(401, "Unauthorized", "This page needs you to sign in first."),
    P(403, "Forbidden", "You are not allowed to see this page."),
    P(404, "Not Found", "The page you asked for does not exist."),
    P(405, "Method Not Allowed", "This page does not accept that kind of request."),
    P(408, "Request Timeout", "The request took too long to arrive."),
    P(409, "Conflict", "The request conflicts with the current state of the page."),
    P(410, "Gone", "This page has been removed."),
    P(411, "Length Required", "The request must say how long its body is."),
    P(413, "Content Too Large", "The data sent with the request is too large."),
    P(414, "URI Too Long", "The address of the request is too long."),
    P(415, "Unsupported Media Type", "The data sent with the request is of an unsupported type."),
    P(422, "Unprocessable Content", "The data sent with the request could not be processed."),
    P(429, "Too Many Requests", "Too many requests were sent; please wait and try again."),
    P(431, "Request Header Fields Too Large", "The request headers are too large."),
    P(500, "Internal Server Error", "Something went wrong on the server; please try again later."),
    P(501, "Not Implemented", "The server does not support this request."),
    P(503, "Service Unavailable", "The service is unavailable; please try again later."),
};

static const struct page generic_page = {
    0, PAGE("Error", "Error", "The request could not be completed."),
    sizeof(PAGE("Error", "Error", "The request could not be completed.")) - 1};

const char *
aw_http__error_page(int status, size_t *len)
{
    const struct page *p = &generic_page;
    for (size_t i = 0; i < AW_NELEM(pages); i++) {
        if (pages[i].status == status) {
            p = &pages[i];
            break;
        }
    }
    *len = p->len;
    return p->html;
}
