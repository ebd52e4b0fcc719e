"""Online entry (填报): weekly tasks, entries and their rounds, review and 退回, timeliness.

Plain Python (no Streamlit). ``status`` answers "who has reported for this week" for the
review grid, 催报 and the board; ``tasks`` opens the week's task; ``entries`` saves, submits,
returns and forwards entries.
"""
