"""A commune's neighbourhoods (tổ dân phố, thôn, ấp), the leaders who speak for them, and
whether the commune's police approve leaders' notices: who may read and change them
(rules.py), the port to storage (ports.py) and the use cases (manage.py). Broadcasts
(handlers/broadcasts/) read what is kept here to address residents."""
