// NLopt, the nonlinear optimisation library (Debian libnlopt-dev): DIRECT, DIRECT-L, CRS2-LM.
#include <nlopt.h>
