/* core_net.c: IP address ranges (net.h), over inet_pton(3). */
#include "aw/net.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An address as 16 bytes (IPv4 mapped into IPv6); *v4 says which it was. */
static bool
addr16(const char *s, unsigned char out[16], bool *v4)
{
    unsigned char b4[4];
    if (inet_pton(AF_INET, s, b4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, b4, 4);
        *v4 = true;
        return true;
    }
    *v4 = false;
    return inet_pton(AF_INET6, s, out) == 1;
}

static bool
parse_item(const char *item, struct aw_net_range *r)
{
    char a[64];
    const char *slash = strchr(item, '/');
    size_t alen = slash ? (size_t)(slash - item) : strlen(item);
    bool v4;
    if (alen == 0 || alen >= sizeof(a))
        return false;
    memcpy(a, item, alen);
    a[alen] = '\0';
    if (!addr16(a, r->addr, &v4))
        return false;
    unsigned max = v4 ? 32 : 128, prefix = max;
    if (slash) {
        char *end;
        if (slash[1] < '0' || slash[1] > '9')
            return false;
        unsigned long p = strtoul(slash + 1, &end, 10);
        if (*end || p > max)
            return false;
        prefix = (unsigned)p;
    }
    r->prefix = v4 ? prefix + 96 : prefix;
    /* bits past the prefix are cleared, so that 10.1.2.3/8 means 10.0.0.0/8 */
    for (unsigned bit = r->prefix; bit < 128; bit++)
        r->addr[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
    return true;
}

bool
aw_net_list_parse(const char *text, struct aw_net_list *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const char *p = text ? text : "";
    while (*p) {
        size_t skip = strspn(p, ", \t");
        p += skip;
        size_t len = strcspn(p, ", \t");
        if (len == 0)
            break;
        char item[80];
        if (len >= sizeof(item) || out->n == AW_NET_MAX_RANGES ||
            !parse_item((memcpy(item, p, len), item[len] = '\0', item), &out->r[out->n])) {
            if (out->n == AW_NET_MAX_RANGES)
                snprintf(err, errlen, "more than %d addresses or ranges", AW_NET_MAX_RANGES);
            else
                snprintf(err, errlen,
                         "\"%.*s\" is not an IP address or range (e.g. 127.0.0.1, 10.0.0.0/8, ::1)",
                         (int)(len > 64 ? 64 : len), p);
            return false;
        }
        out->n++;
        p += len;
    }
    return true;
}

bool
aw_net_list_has(const struct aw_net_list *l, const char *addr)
{
    unsigned char a[16];
    bool v4;
    if (!l || !addr || !addr16(addr, a, &v4))
        return false;
    for (size_t i = 0; i < l->n; i++) {
        const struct aw_net_range *r = &l->r[i];
        unsigned full = r->prefix / 8, rest = r->prefix % 8;
        if (memcmp(a, r->addr, full) != 0)
            continue;
        if (rest && ((a[full] ^ r->addr[full]) & (unsigned char)(0xff00u >> rest)))
            continue;
        return true;
    }
    return false;
}
