"""gunicorn settings read from the working directory (``make run``, the compose file, a bare ``gunicorn linli.wsgi``).

The access log names the path only: ``%(U)s`` leaves out the query string and the Referer is not logged, so a
search term (an ID number, a phone) never reaches a log file even when a client puts it in a URL.
"""

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
