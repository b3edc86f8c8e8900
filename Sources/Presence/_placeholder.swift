// Presence module
