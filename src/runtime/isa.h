/* isa.h — which vector ISA this CPU supports, for codegen and the cache key. */
#ifndef INDUCTC_ISA_H
#define INDUCTC_ISA_H

/* "avx512" (F, BW, DQ, VL), "avx2" (with FMA) or "sse". */
const char *ic_isa_detect(void);

#endif
