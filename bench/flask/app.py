# Copied from the team baselines (shared/baselines/flask_seed) so that the
# benchmark runs from any clone.
# The seed tutorial's app, verbatim in behaviour: Flask's default session
# (a signed cookie holding the data itself).
from flask import Flask, session

app = Flask(__name__)
app.secret_key = "xyz"


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
