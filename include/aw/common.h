/* common.h: attributes and tiny helpers shared by every module. */
#ifndef AW_COMMON_H
#define AW_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define AW_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define AW_WARN_UNUSED __attribute__((warn_unused_result))
#define AW_NORETURN __attribute__((noreturn))
#define AW_UNUSED __attribute__((unused))
#define AW_NELEM(a) (sizeof(a) / sizeof((a)[0]))

#endif
