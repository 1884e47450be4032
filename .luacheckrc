-- luacheck lua bin spec examples bench (make lint)
std = "lua54"
-- the longest lines are the specs' expected messages and documents
max_line_length = 145
files["spec"] = { std = "+busted" }
