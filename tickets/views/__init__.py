"""HTML views of the agent inbox: function views, HTMX picks partials of one template per page.

``inbox`` lists and bulk-edits, ``detail`` shows one ticket, ``ticket_actions`` are the POSTs on
it, ``account`` holds availability and notifications. Every view translates input, gets tickets
through ``tickets.queries`` and calls actions (tickets' own, or routing's by its public API).
"""
