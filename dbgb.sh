npm run bench:match 2>&1 | grep -v "^{" | tail -9
