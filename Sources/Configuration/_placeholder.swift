// Configuration module
