import re
from tests.conftest import login
from tests.web.test_crawl import Page, english_words
async def test_x(client):
    await login(client, "admin")
    r = await client.get("/experts/1")
    for m in re.finditer(r"expert", r.text):
        print("EXP", r.text[max(0,m.start()-150):m.end()+50].replace("\n"," "))
    await login(client, "buyer")
    for url in ["/tenders/5/committee","/tenders/14/committee","/tenders/15/committee"]:
        r = await client.get(url)
        for m in re.finditer(r"employer|registry", r.text):
            print("COM", url, r.text[max(0,m.start()-150):m.end()+50].replace("\n"," "))
    await login(client, "regulator")
    for i in range(1,45):
        r = await client.get(f"/risk/flags/{i}")
        p = Page(); p.feed(r.text)
        for t in p.texts:
            if english_words([t]) - {"OCID"}:
                print("FLAG", i, t[:100])
