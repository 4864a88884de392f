# The example job's payload, run by /bin/sh in /srv inside the busybox image: it reads the staged-in
# events, "reconstructs" them (counts words per line) and writes the output the job declares.
echo "example payload on $(uname -m), job $PandaID, $ATHENA_CORE_NUMBER core(s)"
n=0
while read -r line; do
    n=$((n + 1))
    echo "event $n: $(echo "$line" | wc -w) words"
done < events.txt > reco.txt
echo "processed $n events"
