import torch

model = torch.nn.Linear(8, 2)
optimizer = torch.optim.AdamW(model.parameters())
criterion = torch.nn.CrossEntropyLoss()


def train(loader):
    for x, y in loader:
        optimizer.zero_grad()
        with torch.inference_mode():
            logits = model(x)  # GL103
        loss = criterion(logits, y)
        loss.backward()
        optimizer.step()
