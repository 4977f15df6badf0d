# Copied from the team baselines (shared/baselines/flask_seed) so that the
# benchmark runs from any clone.
# The same three routes with the data kept server-side, as the seed
# describes: Flask-Session with a Redis store (or cachelib filesystem).
import os
from flask import Flask, session
from flask_session import Session

app = Flask(__name__)
app.secret_key = "xyz"
backend = os.environ.get("SESSION_BACKEND", "redis")
app.config["SESSION_TYPE"] = backend
if backend == "redis":
    import redis
    app.config["SESSION_REDIS"] = redis.Redis("127.0.0.1", int(os.environ.get("REDIS_PORT", "6379")))
elif backend == "cachelib":
    from cachelib.file import FileSystemCache
    app.config["SESSION_CACHELIB"] = FileSystemCache("/tmp/flask_sessions", threshold=0)
Session(app)


@app.route('/setsession')
def setsession():
    session['Username'] = 'Admin'
    return "The session has been Set"


@app.route('/getsession')
def getsession():
    if 'Username' in session:
        return f"Welcome {session['Username']}"
    return "Welcome Anonymous"


@app.route('/popsession')
def popsession():
    session.pop('Username', None)
    return "Session Deleted"
