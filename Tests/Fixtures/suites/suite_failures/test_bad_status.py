def run():
    return {"status": "MAYBE"}
