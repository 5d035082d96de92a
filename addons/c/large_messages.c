/* Messages larger than the rings they cross: see large_messages.h. */
#include "large_messages.h"
