/* Link stub: the plan checker never calls the Rust host. */
void *create_provider_instance(void) { return 0; }
char *get(void) { return 0; }
char *apply(void) { return 0; }
char *get_validation_rule(void) { return 0; }
void destroy_provider_instance(void) {}
