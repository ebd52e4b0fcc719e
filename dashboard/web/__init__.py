"""The HTTP layer around the Streamlit app: ASGI middleware that runs before Streamlit's own
routes (``dashboard/server.py`` mounts it). Plain ASGI, no page code."""
