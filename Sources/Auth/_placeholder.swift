// Auth module
