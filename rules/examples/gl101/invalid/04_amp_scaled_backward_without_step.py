import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.cuda.amp.GradScaler()

for x, y in [(torch.randn(2, 4), torch.randn(2, 1))] * 3:
    optimizer.zero_grad()
    with torch.autocast("cpu"):
        loss = ((model(x) - y) ** 2).mean()
    scaler.scale(loss).backward()  # GL101
    scaler.update()
