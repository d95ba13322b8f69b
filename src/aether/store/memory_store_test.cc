// Runs the MetadataStore contract against the in-memory fake.
#include "aether/store/store_contract.h"

AETHER_STORE_CONTRACT(Memory, [] { return aether::NewMemoryStore(); });
