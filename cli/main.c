#include "ciiguard/ciiguard.h"
int main(void) { return 0; }
