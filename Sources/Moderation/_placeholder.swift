// Moderation module
