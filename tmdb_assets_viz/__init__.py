"""The analysts' dashboard: a Streamlit app over the warehouse's analytics views."""
