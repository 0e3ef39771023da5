"""The analyst's workspace behind ``app.py``: the Gradio UI (``ui``), the HTTP API (``api``), the HTML
they show (``render``) and what both share (``service``)."""
