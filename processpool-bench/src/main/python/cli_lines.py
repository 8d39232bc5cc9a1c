import json, sys
from multiprocessing import Pool

def work(line):
    req = json.loads(line)
    a, b = req["args"]
    return json.dumps({"id": req["id"], "status": "ok", "result": a + b})

if __name__ == "__main__":
    src, dst, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(src) as f, open(dst, "w") as out, Pool(2) as pool:
        for result in pool.imap_unordered(work, f, chunksize=chunk):
            out.write(result + "\n")
