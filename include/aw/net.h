/* net.h: lists of IP address ranges (the trusted_proxies setting): parsed
 * once, matched against a peer address per request. */
#ifndef AW_NET_H
#define AW_NET_H

#include <stdbool.h>
#include <stddef.h>

#define AW_NET_MAX_RANGES 32

/* One range: an IPv4 or IPv6 network and its prefix length. IPv4 is kept as
 * its IPv4-mapped IPv6 form, so one comparison serves both. */
struct aw_net_range {
    unsigned char addr[16];
    unsigned prefix; /* 0..128, in IPv6 bits */
};

struct aw_net_list {
    struct aw_net_range r[AW_NET_MAX_RANGES];
    size_t n;
};

/* Parses "127.0.0.1, 10.0.0.0/8 ::1 fd00::/8" (commas and/or blanks): each
 * item an address or address/prefix. Empty text is an empty list. Returns
 * false with a reason naming the item in err on a bad item or more than
 * AW_NET_MAX_RANGES of them. */
bool aw_net_list_parse(const char *text, struct aw_net_list *out, char *err, size_t errlen);
/* Whether the address (text: "192.0.2.1", "::ffff:192.0.2.1", "2001:db8::1")
 * is in one of the ranges. */
bool aw_net_list_has(const struct aw_net_list *l, const char *addr);

#endif
