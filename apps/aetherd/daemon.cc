#include "aetherd/daemon.h"
