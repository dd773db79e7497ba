"""REST endpoints of the followups app: inbound channels, the chat widget, outbound webhooks."""
