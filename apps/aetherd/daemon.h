// Daemon: aetherd's composition root. Placeholder until the real one lands.
#pragma once
