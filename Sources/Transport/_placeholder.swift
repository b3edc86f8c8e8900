// Transport implementation lands here (Connection, TransportServer).
