"""The floor: a bare Streamlit page with one line of text (what Streamlit alone costs)."""

import streamlit as st

st.write("县城一张图")
