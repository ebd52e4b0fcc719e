"""Accounts, server-side sessions, lock-out and the audit log (plain Python, no pages).

The HTTP layer (``dashboard/web/signin.py``) signs people in and refuses every request
without a valid session once an account exists; the pages read the signed-in user from
there. Everything is in the database, so sign-out, disabling a user and a password change
end sessions at once on every app process.
"""
