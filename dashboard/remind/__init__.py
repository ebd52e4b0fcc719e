"""催报: who has not reported, the message per liaison, channels, the scheduler (no Streamlit)."""
