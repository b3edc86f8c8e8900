/// Everything a node persists, from one backend: SQLite for one node, PostgreSQL for a cluster.
public typealias ServerStore = ChatStore & ModerationStore & GamificationStore & OrgDataStore
