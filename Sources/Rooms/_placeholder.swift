// Rooms module
