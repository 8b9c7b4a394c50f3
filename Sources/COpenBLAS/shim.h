// OpenBLAS's CBLAS interface (pkg-config openblas): sgemm for the dense paths of training.
#include <cblas.h>
