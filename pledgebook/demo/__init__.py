"""The demo county 云岭县: its pledge ledger (``pledges``) and its 四帮四促 campaign (``campaign``)."""
