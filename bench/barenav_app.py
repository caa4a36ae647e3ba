import streamlit as st
def home():
    st.write("县城一张图")
def other():
    st.write("x")
pages = [st.Page(home, title="总览", icon=":material/map:", default=True)] + [st.Page(other, title=t, icon=":material/map:", url_path=f"p{i}") for i, t in enumerate(["指标", "县域详情", "任务与项目", "文件", "演示", "催报提醒"])]
st.navigation(pages).run()
