/* main.c: the command line (placeholder until the app layer lands). */
#include <stdio.h>
int
main(void)
{
    puts("awareday");
    return 0;
}
