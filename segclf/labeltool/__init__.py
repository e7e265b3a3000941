"""`segclf label`: label pages in the browser, pre-labeled by the model.

labelfile.py  a page file <-> blocks and labels, written back in the page's own charset
dom.py        tree edits that keep text: unwrap a tag, remove an element but not its tail
view.py       the page as the tool shows it: blocks findable in the DOM, the page's code removed
session.py    the pages of a session, the model's predictions, every write (atomic, at once)
server.py     the loopback HTTP server and its JSON API
static/       the browser half: the tool page, its script and styles
"""
