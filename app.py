"""Entry point: page config, offline assets, sign-in, language, presentation mode, navigation."""

import streamlit as st

from xiancheng import geo, ui
from xiancheng.ui import auth, mapview, widgets

st.set_page_config(page_title="县城一张图", page_icon="assets/favicon.png", layout="wide")
widgets.page_styles()
ui.static_assets()

try:
    ui.counties()
except geo.GeodataError as error:
    st.error(f"{ui.t('geodata_error')}: {error}")
    st.stop()

presenting = widgets.presenting()
auth.restore_session()
# Viewing is open unless the require_sign_in setting says otherwise; writing always needs sign-in.
locked = auth.viewing_needs_sign_in() and auth.current_user() is None

user = auth.current_user()
# Pages for some roles only are hidden from the others' navigation, not removed: opened from
# a link, they tell the visitor calmly that the page needs sign-in or a role.
pages = [
    st.Page(p.path, title=ui.t(p.title_key), icon=p.icon, url_path=p.url_path, default=p.default,
            visibility="visible" if p.listed_for(user) else "hidden")
    for p in ui.PAGES
]


def first_map_view(spec: ui.PageSpec) -> bool:
    return spec.map_first and not presenting and not locked and mapview.map_pending()


# On a session's first view of a map-first page (the overview) the map comes first; the
# sidebar's navigation and own widgets come with the rest of the page once the map is
# painted. So nothing in the sidebar can be clicked in the moment the map reports itself
# painted (a click then shared that rerun and could be lost), and the browser renders only
# the map and the page's head before drawing the map (the navigation's links cost it ~80 ms).
requested = ui.requested_page(pages)
navigation_later = requested is not None and first_map_view(ui.page_spec(requested))
page = st.navigation(pages, position="hidden" if presenting or locked or navigation_later else "sidebar")
spec = ui.page_spec(page)
map_first = first_map_view(spec)
present_clicked = False
if not presenting and not map_first:
    ui.language_toggle()
    present_clicked = st.sidebar.button(ui.t("present.toggle"), icon=":material/slideshow:", key="present_toggle")
    auth.sign_in_form()
if locked:
    if presenting:
        auth.sign_in_form()
    st.info(ui.t("auth.sign_in_to_view"), icon=":material/lock:")
    st.stop()
if not presenting:
    if not map_first:
        widgets.problems_sidebar()
    ui.restore_shared()
if present_clicked or (presenting and page.url_path != "present"):
    # ?mode=present on any page opens the slideshow with the same county/city/language;
    # leaving it returns to that page.
    widgets.enter_presentation(spec.path)
ui.run_page(page)
