"""Entry point: page config, offline assets, language, navigation over pages/."""

import streamlit as st

from xiancheng import geo, ui

st.set_page_config(page_title="县城一张图", page_icon="assets/favicon.png", layout="wide")
ui.static_assets()

try:
    ui.counties()
except geo.GeodataError as error:
    st.error(f"{ui.t('geodata_error')}: {error}")
    st.stop()

ui.language_toggle()
pages = [
    st.Page(p.path, title=ui.t(p.title_key), icon=p.icon, url_path=p.url_path, default=p.default)
    for p in ui.PAGES
]
st.navigation(pages).run()
